// Core runs without the DOM lib, yet its ports name the web's Blob as an opaque value that
// adapters hand around. This empty declaration merges with the real one in DOM and WebWorker programs.
interface Blob {}
