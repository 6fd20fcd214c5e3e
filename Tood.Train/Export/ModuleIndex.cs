using TorchSharp;
using TorchSharp.Modules;
using Tood.Train.Model;
using static TorchSharp.torch;

namespace Tood.Train.Export;

/// <summary>
/// The detector's submodules by their state-dict path (MMDetection names, CONTEXT "Model API"), so the
/// exporter reads the real weights and hyper-parameters (stride, padding, eps, groups) of each layer
/// instead of duplicating them. Missing or mistyped modules fail with a message naming the path.
/// </summary>
internal sealed class ModuleIndex
{
    private readonly Dictionary<string, nn.Module> _byName = new(StringComparer.Ordinal);

    public ModuleIndex(ToodDetector model)
    {
        foreach (var (name, module) in model.named_modules()) _byName[name] = module;
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public T Get<T>(string name) where T : nn.Module =>
        _byName.TryGetValue(name, out var m)
            ? m as T ?? throw new InvalidOperationException($"export: module '{name}' is {m.GetType().Name}, expected {typeof(T).Name}")
            : throw new InvalidOperationException($"export: the model has no module '{name}'");

    public Conv2d Conv(string name) => Get<Conv2d>(name);

    /// <summary>The learnable scalar of <c>bbox_head.scales.{l}</c>.</summary>
    public float ScaleValue(string name)
    {
        var s = Get<Scale>(name);
        using var _ = torch.no_grad();
        return s.Value.to(torch.CPU).item<float>();
    }
}
