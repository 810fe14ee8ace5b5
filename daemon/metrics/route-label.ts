// A request path → a short route name for metric labels (never the path itself: labels must stay few).

export type RouteLabel = 'playlist' | 'segment' | 'media_other' | 'healthz' | 'metrics' | 'status' | 'preview' | 'other';

/** The status page's player fetches renditions below this prefix, served by the daemon itself in any mode. */
export const PREVIEW_PREFIX = '/_casterpak/play';
export const STATUS_PREFIX = '/_casterpak';

export function routeLabel(urlPath: string, urlPrefix: string): RouteLabel {
  if (urlPath.startsWith(urlPrefix)) {
    if (urlPath.endsWith('.m3u8') || urlPath.endsWith('.mpd')) return 'playlist';
    // CMAF init and media segments count as segments (cmaf/video_init.mp4, cmaf/audio_3.m4s).
    if (urlPath.endsWith('.ts') || /\/cmaf\/[^/]+\.(?:m4s|mp4)$/.test(urlPath)) return 'segment';
    return 'media_other';
  }
  if (urlPath === '/healthz') return 'healthz';
  if (urlPath === '/metrics') return 'metrics';
  if (urlPath.startsWith(`${PREVIEW_PREFIX}/`)) return 'preview';
  if (urlPath === STATUS_PREFIX || urlPath.startsWith(`${STATUS_PREFIX}/`)) return 'status';
  return 'other';
}
