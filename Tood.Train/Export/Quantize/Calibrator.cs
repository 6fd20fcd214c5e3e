using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Inference;
using Tood.Train.Export.Onnx;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export.Quantize;

/// <summary>
/// Runs the fp32 model in ONNX Runtime (CPU) on the calibration images with the planned activations added as graph
/// outputs, and records what each one holds: minimum and maximum, then (percentile, entropy) histograms in a second
/// pass over the same images. ONNX Runtime, not TorchSharp, so the ranges are those of the graph that ships.
/// </summary>
internal static class Calibrator
{
    public static IReadOnlyDictionary<string, TensorStats> Collect(ModelProto fp32, IReadOnlyList<string> tensors, CalibrationSet set,
        CalibrationMethod method, Action<string>? log)
    {
        var model = fp32.Clone();
        var outputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in tensors.Where(t => !outputs.Contains(t)))
            model.Graph.Output.Add(new ValueInfoProto { Name = t, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } } });

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var runOptions = new RunOptions();
        int dim0 = session.InputMetadata[ModelContract.InputName].Dimensions[0];
        int batch = dim0 > 0 ? dim0 : 1;
        var buffer = new byte[batch * set.Width * set.Height * 3];
        using var input = OrtValue.CreateTensorValueFromMemory(buffer, [batch, set.Height, set.Width, 3]);
        var stats = tensors.ToDictionary(t => t, t => new TensorStats(t), StringComparer.Ordinal);
        var names = tensors.ToArray();

        void Pass(string what, Action<TensorStats, ReadOnlySpan<float>> add)
        {
            for (int start = 0; start < set.Images.Count; start += batch)
            {
                set.Fill(buffer, start, batch);
                using var results = session.Run(runOptions, [ModelContract.InputName], [input], names);
                int n = Math.Min(batch, set.Images.Count - start);
                for (int k = 0; k < names.Length; k++)
                {
                    var data = results[k].GetTensorDataAsSpan<float>();
                    add(stats[names[k]], data[..(data.Length / batch * n)]); // a repeated (padding) image is not counted
                }
                if ((start / batch + 1) % 16 == 0) log?.Invoke($"calibration {what}: {Math.Min(start + batch, set.Images.Count)}/{set.Images.Count} images");
            }
        }
        Pass("ranges", (s, d) => s.AddRange(d));
        if (method != CalibrationMethod.MinMax) Pass("histograms", (s, d) => s.AddHistogram(d));
        return stats;
    }
}
