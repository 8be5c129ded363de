namespace Soups.Testing;

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(PathName);

    public string PathName { get; } = Path.Combine(Path.GetTempPath(), "soup-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(PathName, name);

    public void Dispose()
    {
        try { Directory.Delete(PathName, recursive: true); } catch (IOException) { }
    }
}
