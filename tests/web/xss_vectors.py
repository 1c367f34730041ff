"""Script-injection vectors for tests/web/test_xss.py. Each calls `__xss(N)` (a sentinel the test
defines in every page) or `alert(N)` (caught as a dialog) when it runs; `§` becomes its number."""

from __future__ import annotations

_TEXT = r"""
<script>__xss(§)</script>
<img src=x onerror=__xss(§)>
<svg onload=__xss(§)>
<svg/onload=__xss(§)>
"><script>__xss(§)</script>
'><img src=x onerror=__xss(§)>
" autofocus onfocus="__xss(§)
' autofocus onfocus='__xss(§)
" onmouseover="__xss(§)" x="
javascript:__xss(§)
<a href="javascript:__xss(§)">link</a>
<iframe srcdoc="<script>parent.__xss(§)</script>"></iframe>
<iframe src="javascript:parent.__xss(§)"></iframe>
<body onload=__xss(§)>
<body/onpageshow=__xss(§)>
<details open ontoggle=__xss(§)>
<input autofocus onfocus=__xss(§)>
<select autofocus onfocus=__xss(§)></select>
<textarea autofocus onfocus=__xss(§)></textarea>
<math><mtext><table><mglyph><style><img src=x onerror=__xss(§)>
<noscript><p title="</noscript><img src=x onerror=__xss(§)>">
</textarea><script>__xss(§)</script>
</title><script>__xss(§)</script>
</script><script>__xss(§)</script>
<style>@import 'javascript:__xss(§)';</style>
<object data="javascript:__xss(§)"></object>
<object data="data:text/html,<script>parent.__xss(§)</script>"></object>
<embed src="javascript:__xss(§)">
<video><source onerror="__xss(§)"></video>
<audio src=x onerror=__xss(§)>
<marquee onstart=__xss(§)>x</marquee>
<svg><script>__xss(§)</script></svg>
<svg><animate onbegin=__xss(§) attributeName=x dur=1s>
<svg><a xlink:href="javascript:__xss(§)"><text x=20 y=20>x</text></a></svg>
<img src=x onerror="&#95;&#95;xss(§)">
<img src=x onerror="\u005f_xss(§)">
<scr<script>ipt>__xss(§)</scr</script>ipt>
<SCRIPT SRC="data:text/javascript,__xss(§)"></SCRIPT>
<base href="javascript:__xss(§)//">
<meta http-equiv="refresh" content="0;url=javascript:__xss(§)">
<form action="javascript:__xss(§)"><button autofocus>go</button></form>
<form><button formaction="javascript:__xss(§)" autofocus>go</button></form>
<link rel=stylesheet href="javascript:__xss(§)">
<div style="background:url(javascript:__xss(§))">x</div>
<div style="width:expression(__xss(§))">x</div>
<img srcset="x" onerror=__xss(§)>
<img src=x:alert(alt) onerror=eval(src) alt=§>
<script>alert(§)</script>
<img src=x onerror=alert(§)>
"-alert(§)-"
'-alert(§)-'
\";alert(§);//
<!--<img src="--><img src=x onerror=__xss(§)//">
<![CDATA[<script>__xss(§)</script>]]>
<xss onafterscriptexecute=__xss(§)><script>1</script>
\uff1cscript\uff1e__xss(§)\uff1c/script\uff1e
%3Cscript%3E__xss(§)%3C%2Fscript%3E
&lt;script&gt;__xss(§)&lt;/script&gt;
<template><img src=x onerror=__xss(§)></template><img src=x onerror=__xss(§)>
<img src=x onerror=top.__xss(§)>
<isindex type=image src=x onerror=__xss(§)>
<a id=f§ tabindex=0 autofocus onfocus=__xss(§)>focus</a>
{{ __xss(§) }}{% if 1 %}__xss(§){% endif %}
<div onpointerenter=__xss(§) style="position:fixed;inset:0">cover</div>
<img src="x`` `<script>__xss(§)</script>"` `>
<svg><foreignObject><iframe srcdoc="<script>parent.__xss(§)</script>"></iframe></svg>
"""
# Article URLs must be absolute http(s) URLs; these try to break out of the href attribute.
_URLS = r"""
https://news.example.org/"><script>__xss(§)</script>
https://news.example.org/' autofocus onfocus='__xss(§)
https://news.example.org/" autofocus onfocus="__xss(§)
https://news.example.org/#<img src=x onerror=__xss(§)>
https://news.example.org/?q=</a><svg onload=__xss(§)>
"""


def _numbered(block: str, start: int) -> list[str]:
    # \uXXXX in a line stands for that character (full-width brackets would look like ASCII).
    lines = [
        line.replace("\\uff1c", "\uff1c").replace("\\uff1e", "\uff1e")
        for line in block.strip().splitlines()
        if line.strip()
    ]
    return [line.replace("§", str(start + i)) for i, line in enumerate(lines)]


TEXT_VECTORS = _numbered(_TEXT, 1)
URL_VECTORS = _numbered(_URLS, 1001)
