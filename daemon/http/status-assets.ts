// The status page's stylesheet and script, served by the daemon (a strict CSP allows no inline code).

import { MASTER_NAME } from '../layout/rendition-files.js';

export const STATUS_CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1c1e21; --muted: #5f6570; --card: #fff; --line: #dde1e6; --accent: #1f6feb; --bad: #c62828; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --fg: #e6e8eb; --muted: #9aa3ad; --card: #1a1f25; --line: #2c333b; --accent: #58a6ff; --bad: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1rem; }
h1 { margin: 0; font-size: 1.5rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
.meta, .sub, .empty { color: var(--muted); margin: .25rem 0; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .75rem; margin-top: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .75rem 1rem; min-width: 0; }
.card h2 { margin: 0 0 .25rem; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card > strong { display: block; font-size: 1.6rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .sub strong { font-weight: 600; }
meter { width: 100%; height: .6rem; }
#player form { display: flex; gap: .5rem; margin-bottom: .75rem; }
#player input { flex: 1; min-width: 0; padding: .55rem .7rem; font: inherit; border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg); }
#player button { padding: .55rem 1.1rem; font: inherit; border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer; }
video { display: block; width: 100%; max-height: 70vh; aspect-ratio: 16 / 9; background: #000; border-radius: 10px; }
#player label { display: block; margin: .5rem 0; font-size: .9rem; color: var(--muted); }
#player select { font: inherit; margin-left: .4rem; }
#audio-choice { margin: .5rem 0 0; }
#audio-track { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg); }
#player-state { font-family: ui-monospace, monospace; font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
#player-state.error, td.bad { color: var(--bad); }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
th { color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.path { white-space: normal; overflow-wrap: anywhere; min-width: 10rem; }
main { padding-bottom: 2rem; }
@media (max-width: 600px) { .wide { display: none; } td.path { min-width: 7rem; } .card { padding: .6rem .75rem; } .card > strong { font-size: 1.3rem; } }
`;

/**
 * Plays what the operator types: a rendition (`clip.mp4`, played from its master playlist, which lists
 * its subtitle tracks in the player's subtitles menu), a playlist path (`/i/clip.mp4/index_0_av.m3u8`) or a
 * full URL. Paths go through the daemon's preview route, which serves files itself in either mode.
 * `window.casterpakPlayer` keeps the hls.js instance and every error it reported, for diagnosis.
 */
export const STATUS_JS = `'use strict';
(function () {
  var main = document.getElementById('status');
  var urlPrefix = main.getAttribute('data-url-prefix');
  var video = document.getElementById('video');
  var state = document.getElementById('player-state');
  var input = document.getElementById('play-path');
  var subtitles = document.getElementById('player-subtitles');
  var audioChoice = document.getElementById('audio-choice');
  var audioTrack = document.getElementById('audio-track');
  var player = { hls: null, errors: [], src: null };
  window.casterpakPlayer = player;

  function encodePath(text) {
    return text.split('/').filter(Boolean).map(function (segment) {
      var decoded = segment;
      try { decoded = decodeURIComponent(segment); } catch (e) { decoded = segment; }
      return encodeURIComponent(decoded);
    }).join('/');
  }

  function playlistUrl(typed) {
    var text = typed.trim();
    if (/^https?:\\/\\//i.test(text)) return text;
    var rel = text.replace(/^\\/+/, '');
    var prefix = urlPrefix.replace(/^\\/+/, '');
    if (rel.indexOf(prefix) === 0) rel = rel.slice(prefix.length);
    if (!/\\.m3u8$/i.test(rel)) rel = rel.replace(/\\/+$/, '') + '/${MASTER_NAME}';
    return '/_casterpak/play' + urlPrefix + encodePath(rel);
  }

  function show(text, isError) {
    state.textContent = text;
    state.classList.toggle('error', Boolean(isError));
  }

  /** The subtitles menu: Off, then each subtitle track hls.js found in the master (its NAME and LANGUAGE). */
  function listSubtitles(hls) {
    while (subtitles.options.length > 1) subtitles.remove(1);
    (hls ? hls.subtitleTracks : []).forEach(function (track, index) {
      var option = document.createElement('option');
      option.value = String(index);
      option.textContent = track.name + (track.lang ? ' (' + track.lang + ')' : '');
      subtitles.appendChild(option);
    });
    subtitles.value = '-1';
    subtitles.disabled = subtitles.options.length < 2;
  }

  subtitles.addEventListener('change', function () {
    if (!player.hls) return;
    var index = Number(subtitles.value);
    player.hls.subtitleDisplay = index >= 0;
    player.hls.subtitleTrack = index;
  });

  /** The menu of audio renditions: each one's NAME (and LANGUAGE), shown only when there is a choice. */
  function showAudioTracks(hls) {
    var tracks = hls.audioTracks || [];
    audioTrack.textContent = '';
    tracks.forEach(function (track, index) {
      var option = document.createElement('option');
      option.value = String(index);
      option.textContent = track.name + (track.lang ? ' (' + track.lang + ')' : '');
      audioTrack.appendChild(option);
    });
    audioTrack.value = String(hls.audioTrack);
    audioChoice.hidden = tracks.length < 2;
  }

  audioTrack.addEventListener('change', function () {
    if (player.hls) player.hls.audioTrack = Number(audioTrack.value);
  });

  function play(typed) {
    if (!typed.trim()) return;
    audioChoice.hidden = true;
    if (player.hls) player.hls.destroy();
    player.hls = null;
    player.errors = [];
    player.src = playlistUrl(typed);
    listSubtitles(null);
    show('loading ' + player.src);
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        player.errors.push({ type: data.type, details: data.details, fatal: data.fatal, reason: data.reason || (data.error && data.error.message) || '' });
        if (data.fatal) show('error: ' + data.details, true);
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, function () { listSubtitles(hls); });
      // The menu follows the track hls.js shows, whoever chose it.
      hls.on(window.Hls.Events.SUBTITLE_TRACK_SWITCH, function (_event, data) { subtitles.value = String(data.id); });
      hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, function () { showAudioTracks(hls); });
      hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHED, function () { audioTrack.value = String(hls.audioTrack); });
      hls.loadSource(player.src);
      hls.attachMedia(video);
      player.hls = hls;
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = player.src;
      video.play().catch(function () {});
    } else {
      show('this browser cannot play HLS', true);
    }
  }

  video.addEventListener('timeupdate', function () {
    if (!state.classList.contains('error')) show('playing ' + video.currentTime.toFixed(1) + ' s of ' + (video.duration || 0).toFixed(1) + ' s');
  });
  video.addEventListener('ended', function () { show('ended at ' + video.currentTime.toFixed(1) + ' s'); });

  function start(typed) {
    var url = new URL(location.href);
    url.searchParams.set('play', typed.trim());
    history.replaceState(null, '', url.pathname + url.search + '#player');
    play(typed);
  }

  document.getElementById('play-form').addEventListener('submit', function (event) {
    event.preventDefault();
    start(input.value);
  });
  document.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[data-play]') : null;
    if (!link) return;
    event.preventDefault();
    input.value = link.getAttribute('data-play');
    start(input.value);
    document.getElementById('player').scrollIntoView({ behavior: 'smooth' });
  });

  var initial = new URLSearchParams(location.search).get('play');
  if (initial) {
    input.value = initial;
    play(initial);
  }
})();
`;
