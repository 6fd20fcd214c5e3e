using System.Numerics;

namespace Tood.Realtime.Evaluation;

/// <summary>
/// Python's <c>'{:0.Nf}'.format(x)</c> for a float: the exact binary value rounded half-to-even
/// (e.g. 0.5625 → "0.562", where .NET's "F3" would print "0.563").
/// </summary>
public static class PyFormat
{
    public static string Fixed(double value, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        bool negative = double.IsNegative(value);
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int biasedExp = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & ((1L << 52) - 1);
        BigInteger mantissa = biasedExp == 0 ? fraction : fraction | (1L << 52);
        int exp2 = biasedExp == 0 ? -1074 : biasedExp - 1075;

        // value·10^decimals = mantissa·10^decimals·2^exp2, rounded half-even to an integer.
        BigInteger scaled = mantissa * BigInteger.Pow(10, decimals);
        BigInteger q;
        if (exp2 >= 0) q = scaled << exp2;
        else
        {
            int shift = -exp2;
            q = scaled >> shift;
            BigInteger rem = scaled - (q << shift);
            int c = rem.CompareTo(BigInteger.One << (shift - 1));
            if (c > 0 || (c == 0 && !q.IsEven)) q += 1;
        }
        string digits = q.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        string text = decimals == 0 ? digits : string.Concat(digits.AsSpan(0, digits.Length - decimals), ".", digits.AsSpan(digits.Length - decimals));
        return negative ? "-" + text : text;
    }
}
