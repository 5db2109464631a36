// Loaded only inside a portal's frame or a mini-program web-view (router.ts decides): picks up
// the host after a reload and returns the guard that adapts navigation to where we live.
import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router';
import { embedLoginRedirect, resumeEmbedHost } from '../composables/useEmbedHost';
import { miniProgramKind, startMiniProgram } from '../composables/useMiniProgram';

export type EmbedGuard = (to: RouteLocationNormalized) => true | RouteLocationRaw;

export function install(router: Router): EmbedGuard {
  resumeEmbedHost(router);
  startMiniProgram();
  return (to) => {
    // The counter needs the camera and file downloads, neither promised inside a web-view.
    if (to.name === 'counter' && miniProgramKind()) return { name: 'embed-unavailable' };
    return embedLoginRedirect(to);
  };
}
