using BillingCycle.TestSupport;
using System.Collections.Concurrent;
using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace BillingCycle.IntegrationTests.Infrastructure;

/// <summary>Every log event the app writes, rendered as the JSON line production would print.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly CompactJsonFormatter _formatter = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public void Emit(LogEvent logEvent)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        _formatter.Format(logEvent, w);
        w.Write(logEvent.RenderMessage(CultureInfo.InvariantCulture));
        _lines.Enqueue(w.ToString());
    }
}
