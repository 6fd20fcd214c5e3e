using Xunit;
using Microsoft.ML.OnnxRuntime;
using Tood.Train.Export;
using Tood.Train.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Tests.Export;

/// <summary>Runs an ONNX model on ORT's CPU EP and converts between TorchSharp tensors and OrtValues.</summary>
internal static class OrtTestRunner
{
    public static SessionOptions Options(GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        var o = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 2 };
        return o;
    }

    public static InferenceSession Session(byte[] model) { using var o = Options(); return new InferenceSession(model, o); }

    /// <summary>Runs the model; inputs are float32 or uint8 CPU tensors; returns float32 outputs as tensors, in output order.</summary>
    public static Tensor[] Run(InferenceSession session, params (string Name, Tensor Value)[] inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var (_, t) in inputs) values.Add(ToOrt(t));
            var outNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outNames);
            var outs = new Tensor[results.Count];
            for (int k = 0; k < results.Count; k++)
            {
                var info = results[k].GetTensorTypeAndShape();
                outs[k] = torch.tensor(results[k].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
            }
            return outs;
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    public static Tensor[] Run(ModelProto model, params (string Name, Tensor Value)[] inputs)
    {
        using var s = Session(OnnxModelFile.ToBytes(model));
        return Run(s, inputs);
    }

    private static OrtValue ToOrt(Tensor t)
    {
        var c = t.contiguous();
        if (t.dtype == ScalarType.Float32) return OrtValue.CreateTensorValueFromMemory(c.data<float>().ToArray(), t.shape);
        if (t.dtype == ScalarType.Byte) return OrtValue.CreateTensorValueFromMemory(c.data<byte>().ToArray(), t.shape);
        throw new ArgumentException($"unsupported test input dtype {t.dtype}");
    }

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a.to_type(ScalarType.Float32) - b.to_type(ScalarType.Float32)).abs().max().item<float>();
    }
}
