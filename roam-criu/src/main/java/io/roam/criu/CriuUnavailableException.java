package io.roam.criu;

/** No usable CRIU on this machine (missing, too old, or broken); the message says what to install or set. */
public class CriuUnavailableException extends RuntimeException {
    public CriuUnavailableException(String message) { super(message); }

    public CriuUnavailableException(String message, Throwable cause) { super(message, cause); }
}
