using Soups.Cli;

return await SoupCli.RunAsync(args, Console.Out, Console.Error);
