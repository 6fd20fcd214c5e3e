namespace Tood.Realtime;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("tood-live: not implemented yet");
        return 1;
    }
}
