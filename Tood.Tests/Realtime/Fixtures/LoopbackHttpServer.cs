using System.Net;
using System.Net.Sockets;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// Serves one file over HTTP on 127.0.0.1 (a real HttpListener). The first <c>cutFirst</c> responses send only
/// the first half of the file and then abort the connection — a stream lost mid-way, for reconnect tests.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _content;
    private readonly Task _loop;
    private int _cutFirst, _requests;

    public string Url { get; }
    public int Requests => Volatile.Read(ref _requests);

    public LoopbackHttpServer(string file, int cutFirst = 0)
    {
        _content = File.ReadAllBytes(file);
        _cutFirst = cutFirst;
        int port = FreePort.Tcp();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        Url = $"http://127.0.0.1:{port}/{Path.GetFileName(file)}";
        _loop = Task.Run(Serve);
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Interlocked.Increment(ref _requests);
            bool cut = Interlocked.Decrement(ref _cutFirst) >= 0;
            try
            {
                ctx.Response.ContentType = "video/mp2t";
                ctx.Response.ContentLength64 = _content.Length;
                await ctx.Response.OutputStream.WriteAsync(_content.AsMemory(0, cut ? _content.Length / 2 : _content.Length));
                if (cut) { ctx.Response.Abort(); continue; }
                ctx.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(2000); } catch (AggregateException) { }
    }
}

internal static class FreePort
{
    public static int Tcp()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Waits until some process has bound 127.0.0.1:<paramref name="port"/> (a listening TCP socket, or a UDP
    /// socket), read from /proc/net — a sender that listens must be ready before the receiver connects.</summary>
    public static void WaitUntilBound(int port, string protocol, TimeSpan timeout)
    {
        string local = $"0100007F:{port:X4}";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            foreach (var line in File.ReadLines($"/proc/net/{protocol}").Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (cols.Length > 3 && cols[1] == local && (protocol == "udp" || cols[3] == "0A")) return; // 0A = LISTEN
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"nothing bound {protocol} 127.0.0.1:{port} within {timeout.TotalSeconds} s");
    }

    public static int Udp()
    {
        using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)u.Client.LocalEndPoint!).Port;
    }
}
