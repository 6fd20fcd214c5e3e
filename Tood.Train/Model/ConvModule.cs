using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// mmcv ConvModule equivalent: conv → (GroupNorm) → (ReLU). With a norm the conv has no bias
/// (mmcv bias='auto'). State-dict keys: <c>conv.weight</c>, [<c>conv.bias</c>], [<c>gn.weight</c>, <c>gn.bias</c>].
/// </summary>
public sealed class ConvModule : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict keys (RegisterComponents uses field names).
    private readonly Conv2d conv;
    private readonly GroupNorm? gn;
    private readonly bool _relu;

    public Conv2d Conv => conv;
    public GroupNorm? Norm => gn;

    public ConvModule(long inChannels, long outChannels, long kernel, long stride = 1, int gnGroups = 0, bool relu = false)
        : base(nameof(ConvModule))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2, bias: gnGroups <= 0);
        if (gnGroups > 0)
        {
            gn = nn.GroupNorm(gnGroups, outChannels);
            // TorchSharp 0.107's GroupNorm leaves γ/β uninitialised (torch.empty); mmcv: γ=1, β=0.
            using var _ = torch.no_grad();
            nn.init.ones_(gn.weight!);
            nn.init.zeros_(gn.bias!);
        }
        _relu = relu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return Activate(ChannelPaddedConv.Forward(conv, x)).MoveToOuterDisposeScope();
    }

    /// <summary>The part after the conv: (GroupNorm) → (ReLU), for callers that apply the conv weight themselves.</summary>
    public Tensor Activate(Tensor convOutput)
    {
        if (gn is null) return _relu ? convOutput.relu_() : convOutput;
        using var scope = torch.NewDisposeScope();
        var y = gn.forward(convOutput);
        return (_relu ? y.relu_() : y).MoveToOuterDisposeScope();
    }
}

/// <summary>mmcv <c>Scale</c>: one learnable scalar (key <c>scale</c>, shape []), init 1.0.</summary>
public sealed class Scale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter scale;

    public Parameter Value => scale;

    public Scale(double init = 1.0) : base(nameof(Scale))
    {
        scale = new Parameter(torch.tensor((float)init));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * scale;
}

/// <summary>Weight-init helpers matching mmcv's normal_init / xavier_init / constant_init.</summary>
internal static class Init
{
    public static void Normal(Conv2d conv, double std, double bias = 0)
    {
        using var _ = torch.no_grad();
        nn.init.normal_(conv.weight!, 0, std);
        if (conv.bias is { } b) nn.init.constant_(b, bias);
    }

    public static void XavierUniform(Conv2d conv)
    {
        using var _ = torch.no_grad();
        nn.init.xavier_uniform_(conv.weight!);
        if (conv.bias is { } b) nn.init.zeros_(b);
    }

    /// <summary>−ln((1−p)/p): bias that makes σ(bias) = p (spec §2.1, −4.59512 for p = 0.01).</summary>
    public static double PriorBias(double p) => -Math.Log((1 - p) / p);
}
