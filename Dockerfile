# syntax=docker/dockerfile:1
# Multi-stage: build with the SDK, run on the small ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BillingCycle.sln .editorconfig ./
COPY src/ src/
COPY db/ db/
RUN dotnet publish src/BillingCycle.Api/BillingCycle.Api.csproj -c Release -o /out/api --nologo \
 && dotnet publish src/BillingCycle.IPaymu.StandIn/BillingCycle.IPaymu.StandIn.csproj -c Release -o /out/standin --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS api
WORKDIR /app
COPY --from=build /out/api ./
ENV ASPNETCORE_URLS=http://+:8080 ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["dotnet", "BillingCycle.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "BillingCycle.Api.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS standin
WORKDIR /app
COPY --from=build /out/standin ./
ENV ASPNETCORE_URLS=http://+:9300
EXPOSE 9300
USER $APP_UID
ENTRYPOINT ["dotnet", "BillingCycle.IPaymu.StandIn.dll"]
