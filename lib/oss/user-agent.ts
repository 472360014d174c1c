/** The package version (a spec keeps it equal to package.json's). */
export const PACKAGE_VERSION = '0.1.0';

/** Sent on every request, so that server logs name the library and the runtime. */
export const USER_AGENT = `oss-multipart-stream/${PACKAGE_VERSION} node/${process.versions.node}`;
