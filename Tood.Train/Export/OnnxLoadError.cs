namespace Tood.Train.Export;

/// <summary>Turns ONNX Runtime's (multi-line, C++-flavoured) load failures into one line naming the file.</summary>
public static class OnnxLoadError
{
    public static string Describe(string path, Exception e)
    {
        var first = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? e.GetType().Name;
        return $"model '{path}' could not be loaded (not an ONNX model, truncated or corrupt): {first}";
    }
}
