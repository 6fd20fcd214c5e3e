#!/usr/bin/env bash
# Installs what Tood needs on a fresh Debian 12 / Ubuntu 22.04+ machine (the .NET 10 SDK must be on PATH).
#   libgtk-3-0 ..... OpenCvSharp's native runtime (highgui) links against GTK 3
#   g++ patchelf ... TorchSharp native compatibility build step (build/TorchSharpNativeCompat.targets)
#   xvfb ........... a virtual display for the --show window test
#   ffmpeg ......... tood-live's network sources (rtsp/http/udp/tcp/srt) and H.264/HEVC output; OpenCV's bundled
#                    FFmpeg has neither (without it: mp4v output, no network sources — logged)
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
for p in libgtk-3-0 g++ patchelf xvfb xauth ffmpeg; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }
dotnet build Tood.sln -c Release -nologo -v q
