"""The console's JSON API (the web console's backend), one router per screen."""
