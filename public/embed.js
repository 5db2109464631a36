/*! ecert-holder embed SDK 1.0.0 | no dependencies | types: embed.d.ts beside this file */
(function (global) {
  'use strict';
  var VERSION = '1.0.0';
  var SOURCE = 'ecert-holder';
  var current = document.currentScript;
  // The app lives where this script was loaded from; nothing else is ever framed or trusted.
  var APP_ORIGIN = current && current.src ? new URL(current.src, location.href).origin : '';

  function mount(element, options) {
    options = options || {};
    var container = typeof element === 'string' ? document.querySelector(element) : element;
    if (!container) throw new Error('EcertHolder.mount: no element to mount into');
    var origin = options.appOrigin || APP_ORIGIN;
    if (!origin) throw new Error('EcertHolder.mount: load embed.js with a src, or pass appOrigin');

    var url = new URL('/embed', origin);
    url.searchParams.set('host', location.origin);
    if (options.path) url.searchParams.set('path', options.path);
    if (options.serviceItemCode) url.searchParams.set('serviceItemCode', options.serviceItemCode);
    if (options.locale) url.searchParams.set('locale', options.locale);
    if (options.elder) url.searchParams.set('elder', '1');

    var frame = document.createElement('iframe');
    frame.src = url.href;
    frame.title = options.title || (options.locale === 'en' ? 'E-certificates' : '北京市电子证照');
    // The counter pages scan with the camera; everything else ignores this.
    frame.allow = 'camera';
    frame.style.cssText = 'display:block;width:100%;border:0;height:' + (options.initialHeight || 480) + 'px';

    var listeners = {};
    function emit(type, event) {
      var list = (listeners[type] || []).concat(listeners['*'] || []);
      for (var i = 0; i < list.length; i++) {
        try { list[i](event); } catch (err) { setTimeout(function () { throw err; }); }
      }
    }
    function onMessage(e) {
      // Only our frame, from the app's origin, in our envelope.
      if (e.source !== frame.contentWindow || e.origin !== origin) return;
      var data = e.data;
      if (!data || data.source !== SOURCE || typeof data.type !== 'string') return;
      if (data.type === 'resize' && typeof data.height === 'number' && options.autoResize !== false) {
        frame.style.height = Math.max(0, Math.ceil(data.height)) + 'px';
      }
      emit(data.type, data);
    }
    function send(message) {
      if (frame.contentWindow) frame.contentWindow.postMessage(Object.assign({ source: 'ecert-holder-host' }, message), origin);
    }
    global.addEventListener('message', onMessage);
    container.appendChild(frame);

    return {
      iframe: frame,
      on: function (type, listener) {
        (listeners[type] = listeners[type] || []).push(listener);
        return this;
      },
      off: function (type, listener) {
        var list = listeners[type] || [];
        listeners[type] = listener ? list.filter(function (l) { return l !== listener; }) : [];
        return this;
      },
      navigate: function (path) { send({ type: 'navigate', path: path }); },
      setLocale: function (locale) { send({ type: 'locale', locale: locale }); },
      setElder: function (elder) { send({ type: 'elder', elder: !!elder }); },
      destroy: function () {
        global.removeEventListener('message', onMessage);
        listeners = {};
        if (frame.parentNode) frame.parentNode.removeChild(frame);
      },
    };
  }

  global.EcertHolder = { version: VERSION, mount: mount };
})(window);
