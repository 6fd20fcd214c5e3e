using System.Text;
using Xunit;

namespace Tood.Tests.Build;

/// <summary>
/// The build step build/TorchSharpNativeCompat.targets: where the system libstdc++ lacks GLIBCXX_3.4.32
/// (Debian 12, Ubuntu 22.04) the libLibTorchSharp.so in the output must be the patched copy (shim NEEDED,
/// version requirement WEAK); elsewhere it must be left alone. Either way TorchSharp must load.
/// </summary>
public class TorchNativeCompatTests
{
    private const string SystemLibStdCxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

    [Fact]
    public void Output_libtorchsharp_is_patched_exactly_when_the_system_libstdcxx_needs_it()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(SystemLibStdCxx)) return; // nothing is patched off Debian-style Linux x64
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var lib = Path.Combine(native, "libLibTorchSharp.so");
        Assert.True(File.Exists(lib), $"missing {lib}");
        bool systemHasVersion = Contains(File.ReadAllBytes(SystemLibStdCxx), "GLIBCXX_3.4.32\0");
        var bytes = File.ReadAllBytes(lib);
        bool hasShim = File.Exists(Path.Combine(native, "libtood_stdcxx_compat.so"));
        if (systemHasVersion)
        {
            Assert.False(hasShim, "the compat shim was copied although the system libstdc++ has GLIBCXX_3.4.32");
            return;
        }
        Assert.True(hasShim, "libtood_stdcxx_compat.so missing next to the patched libLibTorchSharp.so");
        Assert.True(Contains(bytes, "libtood_stdcxx_compat.so\0"), "patched library does not name the shim");
        Assert.Equal(0x2, VersionFlags(bytes, "GLIBCXX_3.4.32") & 0x2);
        // And the patched library really loads and computes.
        using var t = TorchSharp.torch.arange(4).sum();
        Assert.Equal(6, t.item<long>());
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    /// <summary>vna_flags of the named entry of .gnu.version_r (ELF64 little-endian).</summary>
    private static int VersionFlags(byte[] b, string version)
    {
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = (int)(shoff + i * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != 0x6ffffffe) continue; // SHT_GNU_verneed
            int strtab = (int)(shoff + (int)BitConverter.ToUInt32(b, sh + 40) * shentsize);
            long strOff = BitConverter.ToInt64(b, strtab + 24);
            int vn = (int)BitConverter.ToInt64(b, sh + 24);
            while (true)
            {
                int cnt = BitConverter.ToUInt16(b, vn + 2), aux = vn + (int)BitConverter.ToUInt32(b, vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    int nameOff = (int)(strOff + BitConverter.ToUInt32(b, aux + 8));
                    int end = Array.IndexOf(b, (byte)0, nameOff);
                    if (Encoding.ASCII.GetString(b, nameOff, end - nameOff) == version) return BitConverter.ToUInt16(b, aux + 4);
                    uint next = BitConverter.ToUInt32(b, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint vnNext = BitConverter.ToUInt32(b, vn + 12);
                if (vnNext == 0) break;
                vn += (int)vnNext;
            }
        }
        throw new InvalidDataException($"no version requirement {version}");
    }
}
