namespace Tood.Train.Pretrained;

/// <summary>
/// Backbone weight files that ship with the tool, by short name. <c>resnet18-mlnet</c> is the ImageNet
/// ResNet-18 of the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (MIT), whose build props copy
/// <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c> (and its <c>ResNetPrepOnnx/</c> preprocessing) into the
/// output folder; it fits the <c>r18mlnet</c> preset.
/// </summary>
public static class PackagedBackbones
{
    public const string MlnetResNet18 = "resnet18-mlnet";

    private static readonly Dictionary<string, string> Files = new(StringComparer.OrdinalIgnoreCase)
    {
        [MlnetResNet18] = Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"),
    };

    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>An existing file path is returned as is; a short name becomes the packaged file's path.</summary>
    /// <exception cref="WeightsException">neither an existing file nor a known name, or the packaged file is missing.</exception>
    public static string Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return nameOrPath;
        if (!Files.TryGetValue(nameOrPath, out var relative))
            throw new WeightsException($"backbone weights '{nameOrPath}': no such file, and not a packaged name ({string.Join(", ", Files.Keys)})");
        var path = Path.Combine(AppContext.BaseDirectory, relative);
        if (!File.Exists(path))
            throw new WeightsException($"backbone weights '{nameOrPath}': packaged file '{path}' is missing (it is copied there by the Microsoft.ML.DnnImageFeaturizer.ResNet18 package reference of Tood.Train)");
        return path;
    }
}
