using Akka.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPool.Hosting.Tests;

/// <summary>A pool started by the builder alone says at start how to make it injectable.</summary>
public sealed class InjectableWarningSpec : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void A_pool_without_a_registered_IScriptPool_should_log_how_to_register_it_and_a_registered_one_should_not()
    {
        var bare = new ServiceProviderDependencyResolver(new ServiceCollection().BuildServiceProvider());
        var wired = new ServiceProviderDependencyResolver(new ServiceCollection().AddScriptPoolFacade("p").BuildServiceProvider());

        // Exactly one warning for the two starts: a second one (from the wired host) would fail the filter.
        EventFilter.Warning(contains: "AddScriptPoolFacade(\"p\")").ExpectOne(() =>
        {
            AkkaScriptPoolExtensions.WarnIfNotInjectable(Sys, wired, "p");
            AkkaScriptPoolExtensions.WarnIfNotInjectable(Sys, bare, "p");
        });
    }
}
