// No telemetry, no image optimisation service: the host serves what the release built.
module.exports = { images: { unoptimized: true } };
