package io.roam.cli.args;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Job, node and checkpoint ids are checked on the command line, so a typo is a usage error before any call. */
public final class IdConverters {
    private IdConverters() {}

    public static final class Job implements ITypeConverter<JobId> {
        @Override public JobId convert(String value) { return checked(value, JobId::of); }
    }

    public static final class Node implements ITypeConverter<NodeId> {
        @Override public NodeId convert(String value) { return checked(value, NodeId::of); }
    }

    public static final class Checkpoint implements ITypeConverter<CheckpointId> {
        @Override public CheckpointId convert(String value) { return checked(value, CheckpointId::parse); }
    }

    private static <T> T checked(String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
