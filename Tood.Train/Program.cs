namespace Tood.Train;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("tood-train: not implemented yet");
        return 1;
    }
}
