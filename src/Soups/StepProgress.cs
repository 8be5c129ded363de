namespace Soups;

/// <summary>Progress of a long step: <paramref name="Done"/> of <paramref name="Total"/> units.</summary>
public sealed record StepProgress(string Step, long Done, long Total);
