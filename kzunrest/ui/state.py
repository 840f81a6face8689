"""Every key of the session's state, named once.

Two kinds: private keys (``_...``), the app's own memory between reruns, never shown in the
URL; and widget keys, which for the widgets bound to the URL are also the query parameter
names (DESIGN.md: "its key is the parameter name"). Code reads and writes
``st.session_state[state.X]``, never a spelled-out string, so a typo is a NameError, not a
silently empty value.
"""

# -- private keys: what the app remembers between reruns ----------------------------------
DAY = "_day"  # the map's selected day, for the other pages' "selected day" rules
VIEW = "_view"  # urlstate.View: the map's day, Play, speed, mode and camera, as last reported
VIEW_SEQ = "_view_seq"  # bumped when Python (not the browser) sets the view: the map adopts it
APP_RERUN = "_app_rerun"  # a map click changed the sidebar: rerun the whole app, not a fragment
HIGHLIGHT = "_highlight"  # event ids picked in the events table, ringed on the map
FILTERS = "_filters"  # the sidebar's select.Filters of this run, for the pages
LINK_CHECKED = "_link_checked"  # the opening link's parameters were checked (once a session)
LINK_NOTICES = "_link_notices"  # what the opening link asked for that could not be used
KEPT_PARAMS = "_kept_params"  # the Map page's layers and basemap, kept for the other pages' links
GIF = "_gif"  # (bytes, span label) of the last GIF rendered, kept for its download button
STORY_TICKED = "_story_ticked"  # Story's Autoplay: a timer rerun, not a click, shows the step
STORY_KEYED = "_story_keyed"  # an arrow key on the story's map moved the step: rerun the page
# Set by the Data page's upload (kzunrest/ui/upload.py):
UPLOADED_DATASET = "_uploaded_dataset"  # the bundled Dataset with the uploaded events
UPLOADED_TOKEN = "_uploaded_token"  # "upload:" + the file's hash, for caches keyed on events
UPLOADED_NAME = "_uploaded_name"  # the uploaded file's name, for the notice
UPLOADED_NOTICES = "_uploaded_notices"  # what the loader guessed or fixed in the upload
UPLOADED_LEFT_OUT = "_uploaded_left_out"  # rows outside every region, left out (as problems)
UPLOADED_COLUMNS = "_uploaded_columns"  # (file column, our field, why) the loader chose

# -- query parameters the map writes itself (its playback runs in the browser) -------------
# date (ISO), play, speed, mode, lon, lat, zoom: see urlstate.View and map_view._write_link.

# -- widgets bound to the URL: key = query parameter ----------------------------------------
LAYERS = "layers"  # the map layers shown
BASEMAP = "basemap"  # carto-light or offline
REGIONS = "regions"  # sidebar filter; also set by a region clicked on the map
TYPES = "types"  # sidebar filter: event types
SUBTYPES = "subtypes"  # sidebar filter: sub-event types
ACTORS = "actors"  # sidebar filter: actor1 or actor2
DATES = "dates"  # sidebar filter: (start, end) days
PRECISE = "precise"  # sidebar filter: exact positions only
SOURCES2 = "sources2"  # sidebar filter: events with two or more independent sources
STEP = "step"  # Story's step number, 1-based
LANG = "lang"  # the interface's language: en, kk or ru (kzunrest/ui/lang.py)
PLACE = "place"  # sidebar: a place search in any language, filtering events by location
PRESENT = "present"  # present=1: the presentation layout (a query parameter, no widget)

# -- other widgets (keys name them for AppTest and the browser tests) -----------------------
MAP = "map"  # the map component (reports playback and camera; a region click triggers)
CSTO_DAY = "csto_day"  # the CSTO page's own day slider
AUTOPLAY = "autoplay"  # Story's Autoplay toggle (not in the URL: a link opens paused)
GIF_DAYS = "gif_days"  # the GIF export's range of days
