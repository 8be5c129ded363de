namespace Soups.Runs;

/// <summary>Where a run computes.</summary>
/// <param name="Device">auto, cpu, cuda or cuda:N.</param>
/// <param name="Threads">CPU threads for torch; 0 leaves torch's choice.</param>
public sealed record ComputeRequest(string Device = "auto", int Threads = 0);
