"""The Telegram front end: `app` builds and runs the Application, `handlers` answers updates,
`errors` covers what PTB's own failure handling leaves open. Only this package imports PTB."""
