enum BrowserModule {}
