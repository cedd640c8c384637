package io.roam.cli.args;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code -s SIG}: a signal name or number, to its number; anything else is a usage error. */
public final class SignalConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        return Signals.parse(value).orElseThrow(() -> new TypeConversionException("unknown signal '" + value
                + "': use a name such as TERM, INT, HUP, KILL, USR1 (SIG prefix optional) or a number from 1 to 64"));
    }
}
