// A miniature of the API's folders for ArchitectureTests.A_forbidden_dependency_fails_the_check:
// allowed arrows (Subscriptions → Console/Seams, Console → Console/Seams, Credits → Infrastructure)
// and one forbidden arrow (Credits → Console) that the check must report, alone.
#pragma warning disable CA1822, CA1812, IDE0161 // several folders in one file, block-scoped on purpose

namespace BillingCycle.UnitTests.Architecture.Sample.Infrastructure
{
    public sealed class SampleClock
    {
        public DateTimeOffset Now => DateTimeOffset.UnixEpoch;
    }
}

namespace BillingCycle.UnitTests.Architecture.Sample.Console.Seams
{
    public interface ISampleSeam
    {
        string Act();
    }
}

namespace BillingCycle.UnitTests.Architecture.Sample.Console
{
    public sealed class SamplePage(Seams.ISampleSeam seam)
    {
        public string Render() => seam.Act();
    }
}

namespace BillingCycle.UnitTests.Architecture.Sample.Subscriptions
{
    public sealed class SampleActions : Console.Seams.ISampleSeam
    {
        public string Act() => "done";
    }
}

namespace BillingCycle.UnitTests.Architecture.Sample.Credits
{
    using BillingCycle.UnitTests.Architecture.Sample.Console;

    public sealed class SampleCredits(Infrastructure.SampleClock clock)
    {
        public DateTimeOffset Now => clock.Now;

        // The forbidden `using`: a feature calling up into the console.
        public string Page(SamplePage page) => page.Render();
    }
}
