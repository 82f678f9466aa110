// A static single-page app: nothing renders on a server, nothing is prerendered but the shell.
export const ssr = false;
export const prerender = false;
