print("hangar")
