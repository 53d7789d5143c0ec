from services.roster.service import RosterService

RosterService().run()
