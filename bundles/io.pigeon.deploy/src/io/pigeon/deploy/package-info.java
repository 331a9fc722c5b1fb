/**
 * Hot deployment of bundles into the running gateway. A {@link io.pigeon.deploy.BundleDeployer} installs a jar as a
 * new bundle, or updates the installed bundle of the same symbolic name in place (same bundle id, never a second
 * copy), refreshes only the bundles wired to it, keeps the replaced jar so that it can be restored, and says why a
 * bundle does not resolve or start. FileInstall's {@code deploy/} folder and the console's upload both go through it.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.pigeon.deploy;
