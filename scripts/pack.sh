#!/usr/bin/env bash
# Packs everything a user installs into out/nupkg (README: "Installing"), then checks the library packages the
# way a user consumes them: samples/DetectVideo's program, built outside the repository against Tood.Realtime +
# Tood.Realtime.Runtime.Cpu from out/nupkg, runs on the sample video.
#   RIDS="win-x64;win-arm64;linux-x64" (default): the RID-specific tool packages to make. A Windows RID needs the
#   Windows packages from the feed (DirectML, OpenCvSharp4.runtime.win); RIDS=linux-x64 packs the Linux ones alone.
#   The runtime packages (Cpu, DirectML, Cuda) pack anywhere: their dependencies are not restored to pack them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=out/nupkg
RIDS=${RIDS:-win-x64;win-arm64;linux-x64}
TRAIN_RIDS=${TRAIN_RIDS:-$(echo "$RIDS" | tr ';' '\n' | grep -v '^win-arm64$' | paste -sd ';')}
mkdir -p "$OUT"
pack() { dotnet pack "$@" -c Release -o "$OUT" -nologo -v q; }
pack Tood.Realtime/Tood.Realtime/Tood.Realtime.csproj
for flavour in Cpu DirectML Cuda; do pack "Tood.Realtime/Runtime/$flavour/Tood.Realtime.Runtime.$flavour.csproj"; done
pack Tood.Realtime/Tood.Live/Tood.Live.csproj "-p:ToolPackageRuntimeIdentifiers=\"$RIDS\""
pack Tood.Train/Tood.Train.csproj "-p:ToolPackageRuntimeIdentifiers=\"$TRAIN_RIDS\""
ls -la "$OUT"

# The sample as a user builds it: its Program.cs in a fresh project outside the repository that references the two
# packages from out/nupkg (restored into a scratch folder, never the NuGet cache), run on the sample video.
VERSION=$(dotnet msbuild Tood.Realtime/Tood.Realtime/Tood.Realtime.csproj -getProperty:Version)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/DetectVideo"
cp samples/DetectVideo/Program.cs "$SCRATCH/DetectVideo/"
cat > "$SCRATCH/DetectVideo/DetectVideo.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RestoreAdditionalProjectSources>$PWD/$OUT</RestoreAdditionalProjectSources>
    <RestorePackagesPath>$SCRATCH/packages</RestorePackagesPath>
    <RestoreAdditionalProjectFallbackFolders>$HOME/.nuget/packages</RestoreAdditionalProjectFallbackFolders>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Tood.Realtime" Version="$VERSION" />
    <PackageReference Include="Tood.Realtime.Runtime.Cpu" Version="$VERSION" />
    <PackageReference Include="Microsoft.Extensions.Logging.Console" Version="11.0.0" />
  </ItemGroup>
</Project>
XML
dotnet build "$SCRATCH/DetectVideo" -c Release -nologo -v q -o "$SCRATCH/bin"
dotnet "$SCRATCH/bin/DetectVideo.dll" samples/tood_tiny_shapes.onnx samples/shapes.mp4 "$SCRATCH/shapes.det.mp4"
