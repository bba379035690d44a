def square_dance(initial_partners, switches):
    # Create a dictionary to store the current partners
    current_partners = dict(initial_partners)

    # Iterate through the switches and update the current partners
    for switch in switches:
        dancer1, dancer2 = switch
        partner1 = current_partners[dancer1]
        partner2 = current_partners[dancer2]

        # Swap the partners
        current_partners[dancer1] = partner2
        current_partners[dancer2] = partner1

    return current_partners
