package io.roam.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.roam.cli.render.Tables;
import io.roam.proto.Done;
import io.roam.proto.JobInfo;
import io.roam.proto.LocalRequest;
import io.roam.proto.PsCmd;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code roam ps [-a] [--json]}: the caller's jobs (root: everyone's). */
@Command(name = "ps", mixinStandardHelpOptions = true,
        description = {"List your jobs (root sees everyone's): ID NODE STATE AGE RSS COMMAND.",
            "AGE counts from the job's start; RSS is from the node's latest report."})
final class PsCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = {"-a", "--all"}, description = "Also list finished jobs (exited, failed, lost).")
    boolean all;

    @Option(names = "--json", description = "Print a JSON array of the jobs (protobuf JSON, field names as in types.proto).")
    boolean json;

    PsCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var request = LocalRequest.newBuilder().setPs(PsCmd.newBuilder().setAll(all)).build();
        return new AgentCall(ctx, verbosity).send(request, AgentCall.QUICK, this::render);
    }

    private int render(Done done) {
        if (json) {
            ctx.out().print(json(done));
        } else {
            ctx.out().print(Tables.jobs(done.getJobsList(), ctx.clock().instant(), ctx.columns()));
        }
        return done.getExitCode();
    }

    static String json(Done done) {
        var printer = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
        var items = new ArrayList<String>();
        try {
            for (JobInfo j : done.getJobsList()) items.add(printer.print(j));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print a job as JSON", e);
        }
        return items.isEmpty() ? "[]\n" : "[\n" + String.join(",\n", items) + "\n]\n";
    }
}
