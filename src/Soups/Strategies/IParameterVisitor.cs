namespace Soups.Strategies;

/// <summary>Something that handles parameters of any value type (a front end building its options).</summary>
public interface IParameterVisitor
{
    /// <summary>Handles one parameter.</summary>
    void Visit<T>(Parameter<T> parameter);
}
