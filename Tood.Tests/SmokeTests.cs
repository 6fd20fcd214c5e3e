using TorchSharp;
using Xunit;

namespace Tood.Tests;

public class SmokeTests
{
    [Fact]
    public void TorchSharp_native_library_loads_and_computes()
    {
        using var x = torch.ones(2, 3);
        Assert.Equal(6f, x.sum().item<float>());
    }
}
