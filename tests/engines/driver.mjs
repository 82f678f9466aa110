// The one shape the journey drives every engine through: navigate, and run a function in the page.

/**
 * @typedef {object} Driver
 * @property {string} name the engine, as the report names it
 * @property {string} version the browser's own version string
 * @property {(url: string) => Promise<void>} goto navigates the tab and waits for the load
 * @property {<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A) => Promise<Awaited<R>>} run runs `fn` in the page (its source is sent: it may use only its argument and the page's globals); JSON in, JSON out
 * @property {() => Promise<void>} close ends the browser and everything it started (profile, X server)
 */
export {};
