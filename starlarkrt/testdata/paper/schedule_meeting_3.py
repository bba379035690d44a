a_availability = [('08:00', '08:30'), ('09:30', '10:00'), ('10:30', '11:30'), ('12:30', '13:00'), ('13:30', '14:00'), ('14:30', '15:00'), ('15:30', '16:00'), ('16:30', '17:30')]
b_availability = [('08:30', '09:00'), ('12:00', '12:30'), ('14:00', '14:30'), ('16:30', '17:00'), ('17:30', '18:00')]
meeting_duration = 30

ret = find_earliest_time_slot(a_availability, b_availability, meeting_duration)
ans = ret if ret else "No time slot works."
