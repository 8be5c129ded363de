namespace Soups.Cli.Tests.Commands;

/// <summary>Issue #8 in a real process: signals leave no temporary file, and file names that are not UTF-8 open.</summary>
public class ProcessTests
{
    [Fact]
    public void A_uniform_soup_on_the_cpu_never_loads_libtorch_and_a_run_with_a_model_does()
    {
        // Issue #12: libtorch is loaded only when a command needs it. The dynamic linker lists what it loads
        // (LD_DEBUG=files); the second run, which evaluates a model, is the control that the listing shows libtorch.
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var inputs = string.Join(' ', SmallSample.Ingredients.Take(3).Select(p => $"'{p}'"));
        var trace = new Dictionary<string, string> { ["LD_DEBUG"] = "files", ["SOUP_CACHE_DIR"] = "off" };
        var uniform = CliProcess.Run($"uniform {inputs} -o '{temp.File("soup.safetensors")}' --device cpu -q", temp.PathName, trace);
        Assert.True(uniform.ExitCode == 0, uniform.Error[^Math.Min(2000, uniform.Error.Length)..]);
        Assert.Contains("libLibTorchSharp", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "soup.deps.json")));
        Assert.DoesNotContain("libtorch_cpu", uniform.Error);
        Assert.DoesNotContain("libLibTorchSharp", uniform.Error);
        var scored = CliProcess.Run($"uniform {inputs} -o '{temp.File("scored.safetensors")}' --device cpu -q --model digits-cnn " +
                                    $"--heldout '{SmallSample.HeldOut}'", temp.PathName, trace);
        Assert.Equal(0, scored.ExitCode);
        Assert.Contains("libtorch_cpu", scored.Error);
        // The same soup either way.
        using var plain = Soups.Checkpoints.KnownCheckpointFormats.Open(temp.File("soup.safetensors"));
        using var withModel = Soups.Checkpoints.KnownCheckpointFormats.Open(temp.File("scored.safetensors"));
        foreach (var info in plain.Tensors)
        {
            using var x = plain.Read(info.Name);
            using var y = withModel.Read(info.Name);
            Assert.True(Fixture.Equal(x, y), info.Name);
        }
    }

    [Fact]
    public void Sigterm_during_a_write_exits_130_and_leaves_no_temporary_file()
    {
        using var temp = new TempFolder();
        // Three ingredients of four 24 MiB tensors: mixing and writing takes long enough to be interrupted.
        const long size = 6291456 * 4;
        var header = "{" + string.Join(",", Enumerable.Range(0, 4).Select(t =>
            $"\"w{t}\":{{\"dtype\":\"F32\",\"shape\":[6291456],\"data_offsets\":[{t * size},{(t + 1) * size}]}}")) + "}";
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        var inputs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var path = temp.File($"big{i}.safetensors");
            using (var file = File.Create(path))
            {
                file.Write(BitConverter.GetBytes((long)json.Length));
                file.Write(json);
                file.SetLength(8 + json.Length + 4 * size);
            }
            inputs.Add(path);
        }
        var output = temp.File("soup.safetensors");
        using var process = CliProcess.Start($"uniform {string.Join(' ', inputs.Select(p => $"'{p}'"))} -o '{output}' -q", temp.PathName);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Directory.GetFiles(temp.PathName, ".soup.safetensors.*.tmp").Any() && !process.HasExited && DateTime.UtcNow < deadline)
            Thread.Sleep(2);
        Assert.False(process.HasExited, "soup finished before it could be interrupted");
        Assert.Equal(0, Native.kill(process.Id, 15));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("interrupted", process.StandardError.ReadToEnd());
        Assert.Empty(Directory.GetFiles(temp.PathName, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(temp.PathName, ".*")));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_checkpoint_whose_name_is_not_utf8_is_opened_and_named_by_its_bytes()
    {
        using var temp = new TempFolder();
        // caf\xe9.pt is Latin-1, not UTF-8: the shell's printf makes the byte, which .NET alone could not name.
        Shell($"cp '{Fixture.PyTorch("ingredient_0.pt")}' \"$(printf 'caf\\351.pt')\"", temp.PathName);
        var result = CliProcess.Run($"inspect \"$(printf 'caf\\351.pt')\" '{Fixture.PyTorch("ingredient_1.pt")}' --no-distances", temp.PathName);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("caf\\xe9.pt", result.Output);
        Assert.Contains("compatible: yes", result.Output);
    }

    private static void Shell(string command, string folder)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int signal);
    }
}
