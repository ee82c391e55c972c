"""`cls-data publish`: a finished run's model on the Hub (`run.publish_run`), with a card the Hub renders (`card`)."""
