using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

/// <summary>Small helpers to build and read test tensors.</summary>
internal static class TensorTestUtil
{
    public static Tensor Rows(int cols, params float[] values) =>
        tensor(values).reshape(values.Length / cols, cols);

    public static Tensor Longs(params long[] values) => tensor(values);

    public static float[] Floats(Tensor t) => t.to_type(ScalarType.Float32).cpu().data<float>().ToArray();

    public static long[] LongArray(Tensor t) => t.to_type(ScalarType.Int64).cpu().data<long>().ToArray();

    public static bool[] Bools(Tensor t) => t.to_type(ScalarType.Bool).cpu().data<bool>().ToArray();

    public static int[] Indices(Tensor mask) =>
        Bools(mask).Select((b, i) => (b, i)).Where(p => p.b).Select(p => p.i).ToArray();

    public static void Close(double expected, double actual, double tol, string what = "")
    {
        Assert.True(Math.Abs(expected - actual) <= tol,
            $"{what}: expected {expected:R}, got {actual:R} (tol {tol})");
    }
}
