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
        // The trace goes to files of its own (stderr is soup's, and native writes to it never pass as they are).
        string Trace(string name) => string.Concat(Directory.GetFiles(temp.PathName, name + ".*").Select(File.ReadAllText));
        Dictionary<string, string> Traced(string name) => new()
            { ["LD_DEBUG"] = "files", ["LD_DEBUG_OUTPUT"] = temp.File(name), ["SOUP_CACHE_DIR"] = "off" };
        var uniform = CliProcess.Run($"uniform {inputs} -o '{temp.File("soup.safetensors")}' --device cpu -q", temp.PathName, Traced("plain"));
        Assert.True(uniform.ExitCode == 0, uniform.Error);
        Assert.Contains("libLibTorchSharp", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "soup.deps.json")));
        Assert.Contains("libSystem.Native", Trace("plain")); // the trace is there ...
        Assert.DoesNotContain("libtorch_cpu", Trace("plain")); // ... and holds no libtorch
        Assert.DoesNotContain("libLibTorchSharp", Trace("plain"));
        var scored = CliProcess.Run($"uniform {inputs} -o '{temp.File("scored.safetensors")}' --device cpu -q --model digits-cnn " +
                                    $"--heldout '{SmallSample.HeldOut}'", temp.PathName, Traced("scored"));
        Assert.Equal(0, scored.ExitCode);
        Assert.Contains("libtorch_cpu", Trace("scored"));
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
    public void What_a_native_library_writes_to_stderr_reaches_the_user_only_through_the_logger()
    {
        // libgomp (libtorch's OpenMP) complains on stderr about a bad OMP_NUM_THREADS when libtorch loads: a native
        // write on every machine, whatever its CPU (NNPACK's complaint needs hardware it does not support).
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var environment = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "abc", ["SOUP_CACHE_DIR"] = "off" };
        var command = $"eval '{Fixture.Eval("digits_cnn_a.pt")}' --model digits-cnn --heldout '{Fixture.Eval("heldout.safetensors")}' --no-cache";
        const string message = "libgomp: Invalid value for environment variable OMP_NUM_THREADS";

        var plain = CliProcess.Run(command, temp.PathName, environment);
        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.Equal(["warning: " + message], plain.ErrorLines.Where(l => l.Contains("libgomp", StringComparison.Ordinal)));
        Assert.DoesNotContain(plain.Error.TrimEnd('\n').Split('\n'), l => l.Length == 0); // not even libgomp's blank line

        var quiet = CliProcess.Run(command + " -q", temp.PathName, environment);
        Assert.True(quiet.ExitCode == 0, quiet.Error);
        Assert.Empty(quiet.Error);

        var verbose = CliProcess.Run(command + " -v", temp.PathName, environment);
        Assert.Contains($"debug: {message} (x1)", verbose.ErrorLines);
    }

    [TmuxFact]
    public void On_a_real_80_column_terminal_no_native_line_shows_and_no_line_wraps()
    {
        using var temp = new TempFolder();
        var session = $"soup-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];
        var ingredients = string.Join(' ', SmallSample.Ingredients.Select(p => $"'{p}'"));
        var command = $"OMP_NUM_THREADS=abc SOUP_CACHE_DIR=off {CliProcess.Command} greedy {ingredients} --model digits-cnn " +
                      $"--heldout '{SmallSample.HeldOut}' -o '{temp.File("soup.safetensors")}' --no-cache; tmux wait-for -S {session}";
        Tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-c", temp.PathName);
        try
        {
            Tmux("send-keys", "-t", session, "clear; " + command, "Enter");
            var waiting = System.Diagnostics.Process.Start("tmux", ["wait-for", session]);
            Assert.True(waiting.WaitForExit(TimeSpan.FromMinutes(2)), "soup did not finish on the terminal");
            var rows = Tmux("capture-pane", "-p", "-S", "-", "-t", session).Split('\n');
            var joined = Tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session).Split('\n');
            Assert.Contains(rows, r => r.StartsWith("warning: libgomp: Invalid value", StringComparison.Ordinal));
            Assert.DoesNotContain(rows, r => r.StartsWith("libgomp", StringComparison.Ordinal) || r.StartsWith("[W", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("greedy soup", StringComparison.Ordinal));
            Assert.True(rows.Length == joined.Length, "a line wrapped:\n" + string.Join("\n", rows));
        }
        finally
        {
            Tmux("kill-session", "-t", session);
        }
    }

    private static string Tmux(params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("tmux", arguments)
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
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
