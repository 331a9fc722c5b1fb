package io.pigeon.auth.internal;

/**
 * What io.pigeon.config puts next to password_file and acl_file in PID {@code io.pigeon.broker}: the SHA-256 of each
 * file's content ("password.file.digest", "acl.file.digest"). io.pigeon.config watches the files, so an edit reaches
 * the components as {@code @Modified} with a new digest and they read the file again. Empty without io.pigeon.config
 * (then SIGHUP reloads, see {@link HangupReload}).
 * <p>
 * A component property type, not an {@code @ObjectClassDefinition}: these are not settings a user makes.
 */
@interface FileDigests {

    String password_file_digest() default "";

    String acl_file_digest() default "";
}
