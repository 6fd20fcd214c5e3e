// Tood's libstdc++ compatibility shim (see build/TorchSharpNativeCompat.targets).
// libLibTorchSharp.so 0.107 is built against GCC 13 and references exactly one symbol of
// GLIBCXX_3.4.32: std::ios_base_library_init(), which GCC 13 defines as an empty marker used
// only to force <iostream> initialisation ordering. Older libstdc++ (GCC 12: Debian 12,
// Ubuntu 22.04) initialises iostreams unconditionally, so an empty definition is exact.
namespace std {
void ios_base_library_init() {}
}
