package io.pigeon.auth.internal;

/**
 * A password or ACL file that cannot be used as it is. The message names the file and line, what is wrong and how to
 * fix it, ready for a log line or a terminal. The whole file is refused: a partly read ACL or password file would grant
 * or refuse access the administrator did not ask for.
 */
public final class FileFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    /**
     * @param source the file as it should be shown to the user
     * @param line   1-based line number
     * @param detail what is wrong and what to do, without the place
     */
    public FileFormatException(String source, int line, String detail) {
        super(source + ":" + line + ": " + detail);
        this.source = source;
        this.line = line;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }
}
