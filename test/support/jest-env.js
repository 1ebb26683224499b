// Loaded by jest before every test file (jest.config.js setupFiles).
// The AWS SDK versions are pinned; its notice that future releases need Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
