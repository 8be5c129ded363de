using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace Soups.Cli;

/// <summary>
/// Arguments that are not valid UTF-8. .NET decodes the command line as UTF-8 and replaces what it cannot decode, so
/// a file named in Latin-1 (<c>caf\xe9.pt</c>) could not be opened by the name it arrives under (issue #8). On Linux
/// the original bytes are in <c>/proc/self/cmdline</c>: such a path is opened once by its bytes and handed on as
/// <c>/proc/self/fd/N</c>, which every file API opens as the same file; messages show it by its original bytes.
/// </summary>
internal static class RawArguments
{
    private const int OPath = 0x200000, OCloexec = 0x80000;
    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);

    /// <summary>Replaces each argument that lost bytes in decoding by a path that opens the file it named.</summary>
    public static string[] Recover(string[] args)
    {
        if (!OperatingSystem.IsLinux() || !args.Any(a => a.Contains('\uFFFD'))) return args;
        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (IOException)
        {
            return args;
        }
        var raw = Split(cmdline);
        if (raw.Count < args.Length) return args;
        raw = raw.GetRange(raw.Count - args.Length, args.Length); // the host's own arguments come first
        var result = (string[])args.Clone();
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].Contains('\uFFFD') || IsValid(strict, raw[i])) continue;
            var display = Escape(raw[i]);
            var fd = Native.open([.. raw[i], 0], OPath | OCloexec); // kept open for the life of the process
            if (fd < 0) continue;
            result[i] = $"/proc/self/fd/{fd}";
            Names[result[i]] = display;
        }
        return result;
    }

    /// <summary>Shows stand-in paths by the bytes they were given as.</summary>
    public static string Display(string text)
    {
        if (Names.IsEmpty || !text.Contains("/proc/self/fd/", StringComparison.Ordinal)) return text;
        foreach (var (standIn, display) in Names) text = text.Replace(standIn, display, StringComparison.Ordinal);
        return text;
    }

    private static List<byte[]> Split(byte[] cmdline)
    {
        var parts = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] != 0) continue;
            parts.Add(cmdline[start..i]);
            start = i + 1;
        }
        return parts;
    }

    private static bool IsValid(UTF8Encoding strict, byte[] bytes)
    {
        try
        {
            strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static string Escape(byte[] bytes)
    {
        var text = new StringBuilder();
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] < 0x80) { text.Append((char)bytes[i]); continue; }
            var decoded = false;
            for (var length = 2; length <= 4 && i + length <= bytes.Length && !decoded; length++)
            {
                try
                {
                    text.Append(decoder.GetString(bytes, i, length));
                    i += length - 1;
                    decoded = true;
                }
                catch (DecoderFallbackException)
                {
                }
            }
            if (!decoded) text.Append($"\\x{bytes[i]:x2}");
        }
        return text.ToString();
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open(byte[] path, int flags);
    }
}
