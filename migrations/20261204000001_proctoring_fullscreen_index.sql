-- The full-screen rule reads a session's exits and returns on every batch of a strict quiz while
-- the learner is out of full screen; without this it scanned all of the session's events.
create index proctoring_event_fullscreen on proctoring_event (tenant_id, session_id, sequence)
    where source = 'client' and kind in ('fullscreen_exit', 'fullscreen_enter');
