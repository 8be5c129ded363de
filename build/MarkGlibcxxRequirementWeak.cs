// Compiled by MSBuild's RoslynCodeTaskFactory (see GlibcxxWeakFix.targets) against netstandard2.0: no Span, no
// BinaryPrimitives. ELF fields are read little-endian, the only byte order this task accepts.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>Sets VER_FLG_WEAK on one GLIBCXX version requirement of every libLibTorchSharp.so under a folder.</summary>
public sealed class MarkGlibcxxRequirementWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public string Directory { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    /// <summary>Relax the requirement even when this machine's libstdc++ has the version (a package runs elsewhere).</summary>
    public bool Always { get; set; }

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        if (!Always && SystemHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ provides {0}; libLibTorchSharp.so left as is.", Version);
            return true;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                var changed = MarkWeak(bytes, Version);
                if (changed == null)
                {
                    Log.LogMessage(MessageImportance.Low, "{0}: no {1} requirement to relax.", path, Version);
                    continue;
                }
                if (changed == false) continue; // already weak
                var temp = path + ".glibcxx-fix.tmp";
                File.WriteAllBytes(temp, bytes);
                File.Delete(path);
                File.Move(temp, path);
                Log.LogMessage(MessageImportance.Normal, "{0}: marked {1} requirement weak.", path, Version);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("Could not relax {0} in {1}: {2}", Version, path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private bool SystemHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate)) continue;
            return IndexOf(File.ReadAllBytes(candidate), needle, 0) >= 0;
        }
        return false;
    }

    /// <summary>Returns true when the flag was set now, false when it was already set, null when the requirement is absent.</summary>
    internal static bool? MarkWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is handled");
        var shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);
        for (var i = 0; i < shnum; i++)
        {
            var sh = (int)(shoff + (long)i * shentsize);
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            var offset = (int)U64(elf, sh + 24);
            var link = (int)U32(elf, sh + 40);
            var count = (int)U32(elf, sh + 44);
            var strOffset = (int)U64(elf, (int)(shoff + (long)link * shentsize) + 24);
            var need = offset;
            for (var n = 0; n < count; n++)
            {
                int auxCount = U16(elf, need + 2);
                var aux = need + (int)U32(elf, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = strOffset + (int)U32(elf, aux + 8);
                    var end = Array.IndexOf(elf, (byte)0, nameOffset);
                    if (Encoding.ASCII.GetString(elf, nameOffset, end - nameOffset) == version)
                    {
                        var flags = U16(elf, aux + 4);
                        if ((flags & VerFlgWeak) != 0) return false;
                        var updated = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
                        elf[aux + 4] = updated[0];
                        elf[aux + 5] = updated[1];
                        return true;
                    }
                    aux += (int)U32(elf, aux + 12);
                }
                need += (int)U32(elf, need + 12);
            }
        }
        return null;
    }

    private static ushort U16(byte[] b, int at) => BitConverter.ToUInt16(b, at);
    private static uint U32(byte[] b, int at) => BitConverter.ToUInt32(b, at);
    private static ulong U64(byte[] b, int at) => BitConverter.ToUInt64(b, at);

    private static int IndexOf(byte[] haystack, byte[] needle, int from)
    {
        for (var i = Array.IndexOf(haystack, needle[0], from); i >= 0 && i <= haystack.Length - needle.Length;
             i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            var match = true;
            for (var j = 1; j < needle.Length && match; j++) match = haystack[i + j] == needle[j];
            if (match) return i;
        }
        return -1;
    }
}
